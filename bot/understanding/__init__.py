"""Understanding questions: what a question is about and what it asks (``question.py``)."""
