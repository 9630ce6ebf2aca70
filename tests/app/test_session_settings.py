"""The app's model-in-the-loop recipes read the teach config as the teach step does."""

import pytest
import srsly

from spacy_ner_plugin.app.recipes import session_settings
from spacy_ner_plugin.errors import UsageError


def test_the_recipes_segment_seed_and_sorter_options_reach_the_teach_settings(tmp_path):
    source = tmp_path / "raw.jsonl"
    srsly.write_jsonl(source, [{"text": "Osprey packs."}])
    default = session_settings(str(source), None, None, None, None, True)
    assert default["segment"] is True and default["seed"] == 0
    chosen = session_settings(str(source), None, {"teach.drop": 0.3}, "random", 7, False)
    assert chosen["segment"] is False and chosen["drop"] == 0.3
    assert chosen["seed"] == 7 and chosen["sorter"].seed == 7
    with pytest.raises(UsageError, match="Unknown sorter 'loudest'"):
        session_settings(str(source), None, None, "loudest", None, True)
