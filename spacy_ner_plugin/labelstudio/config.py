"""A Label Studio labelling config read for what an NER backend needs: which `<Labels>`
control labels which `<Text>` object, the task field that object shows, and the labels."""

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Tuple

from ..errors import PluginError


class LabelConfigError(PluginError):
    """A labelling config this backend cannot serve: it says which tag or attribute is wrong."""


@dataclass(frozen=True)
class Control:
    """One `<Labels name=from_name toName=to_name>` over a `<Text name=to_name value=$field>`."""

    from_name: str
    to_name: str
    field: str
    labels: Tuple[str, ...]


@lru_cache(maxsize=32)
def parse_label_config(xml: str) -> Tuple[Control, ...]:
    """Every `<Labels>` control of `xml` that labels a `<Text>` object (tag names in any case,
    as Label Studio accepts them); `LabelConfigError` if there is none or the XML is bad."""
    if not isinstance(xml, str) or not xml.strip():
        raise LabelConfigError("No labelling config", "the request has no 'label_config'")
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as err:
        raise LabelConfigError("The labelling config is no valid XML", str(err)) from None
    texts: Dict[str, str] = {}
    for tag in _tags(root, "text"):
        value = tag.get("value", "")
        if tag.get("name") and value.startswith("$") and len(value) > 1:
            texts[tag.get("name", "")] = value[1:]
    controls: List[Control] = []
    for tag in _tags(root, "labels"):
        labels = tuple(label.get("value", "") for label in _tags(tag, "label"))
        for to_name in (tag.get("toName") or "").split(","):
            if tag.get("name") and to_name.strip() in texts:
                to_name = to_name.strip()
                controls.append(Control(tag.get("name", ""), to_name, texts[to_name], labels))
    if not controls:
        raise LabelConfigError(
            "No <Labels> over a <Text> in the labelling config",
            'an NER project needs e.g. <Labels name="label" toName="text"><Label '
            'value="ORG"/></Labels><Text name="text" value="$text"/>',
        )
    return tuple(controls)


def _tags(root: ElementTree.Element, name: str) -> List[ElementTree.Element]:
    return [tag for tag in root.iter() if isinstance(tag.tag, str) and tag.tag.lower() == name]
