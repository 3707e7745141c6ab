"""Custom Rasa NLU components: thin adapters over ``bot/`` (the red-flag check, the question reader,
"stop", the language check, the intent override, the sentence featurizer).

Importing this package (the Rasa server does, to load our components) keeps personal details out of
the server's logs (``bot/log_privacy.py``). It changes nothing in Rasa: our patches to Rasa live in
``rasa36/`` and are installed only by ``rasa36.apply()``.
"""
from bot import log_privacy

log_privacy.install()
