"""Custom Rasa NLU components: thin adapters over ``bot/``.

Importing this package (the Rasa server does, to load our components) also applies
``rasa_patches`` - see that module for why - and keeps personal details out of the server's logs
(``bot/log_privacy.py``).
"""
from bot import log_privacy
from components import rasa_patches

log_privacy.install()
rasa_patches.apply()
