"""Custom Rasa NLU components: thin adapters over ``bot/``.

Importing this package (the Rasa server does, to load our components) also applies
``rasa_patches`` - see that module for why.
"""
from components import rasa_patches

rasa_patches.apply()
