"""`python -m spacy_ner_plugin STEP ...`."""

from .cli import app

if __name__ == "__main__":
    app()
