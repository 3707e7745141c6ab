"""``python -m rasa36 <rasa command line>``: Rasa's own command line, with ``rasa36.apply()`` first
(so ``BOT_RASA_PATCHES=0 python -m rasa36 test ...`` is plain Rasa)."""
import sys

from bot import log_privacy
from rasa36 import apply

log_privacy.install()
apply()
sys.argv = ["rasa", *sys.argv[1:]]
from rasa.__main__ import main  # noqa: E402

main()
