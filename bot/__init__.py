"""Plain-Python core of the "strengthening painful bones" assistant.

Nothing in this package imports Rasa: the content store, the checks on the content, the
answers and (later) the safety checks are testable on their own. ``actions/`` adapts them to
the Rasa SDK.
"""
