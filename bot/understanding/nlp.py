"""The project's own spaCy pipeline, built from ``spacy.blank("en")``.

No official spaCy model can be downloaded here, so the build makes one: the English tokenizer,
a lookup lemmatizer (tables from ``spacy-lookups-data``) and an entity ruler that tags the names
in ``content/lexicon.yml`` as PROCEDURE or MEDICINE (``ent_id_`` = the topic id). Rasa's
``SpacyNLP`` loads it from ``build/spacy/en_bones``.

>>> nlp = build_pipeline()
>>> [(e.text, e.label_, e.ent_id_) for e in nlp("Is Xgeva safe after a vertebroplasty?").ents]
[('Xgeva', 'MEDICINE', 'denosumab'), ('vertebroplasty', 'PROCEDURE', 'vertebroplasty')]
"""
from __future__ import annotations

from pathlib import Path
from typing import cast

from bot.content.lexicon import Lexicon
from bot.paths import spacy_model_dir

PIPELINE_NAME = "en_bones"
PIPELINE_VERSION = "1.0.0"


def build_pipeline(lexicon: Lexicon | None = None):
    """A new spaCy ``Language`` with lemmatizer and entity ruler, ready to use and to save."""
    import spacy
    from spacy.pipeline import EntityRuler

    nlp = spacy.blank("en")
    nlp.meta.update(
        name=PIPELINE_NAME.split("_", 1)[1],
        version=PIPELINE_VERSION,
        description="Tokenizer, lookup lemmatizer and entity ruler for the painful-bones assistant.",
    )
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # add_pipe is typed as returning any Pipe; "entity_ruler" gives an EntityRuler
    ruler = cast(EntityRuler, nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"}))
    nlp.initialize()  # loads the lemma lookup table from spacy-lookups-data
    ruler.add_patterns((lexicon or Lexicon.load()).patterns())
    return nlp


def save_pipeline(path: Path | None = None) -> Path:
    """Build the pipeline and save it to ``path`` (default ``build/spacy/en_bones``)."""
    path = Path(path or spacy_model_dir())
    path.parent.mkdir(parents=True, exist_ok=True)
    build_pipeline().to_disk(path)
    return path
