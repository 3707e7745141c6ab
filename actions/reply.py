"""One message per answer (issue 21): a topic answer, or a follow-up answer, is sent as **one**
bot message, never as a run of them (body, a message a source, the review line, a message a
gap, the helpline offer: up to nine, which the channels showed, split and joined each their own
way).

- ``text``: the whole answer in reading order: the body, its sources (a line each), when this
  service wrote it and whether a clinician has checked it, what it does not cover, and the
  helpline offer (once). WhatsApp and the terminal show this text; so does the widget when a
  message has no parts.
- ``buttons``: the offer's (call-back, "no, thank you"), on that one message.
- ``custom`` (``json_message``): the keys readers already use (``topic``, ``label``, ``sources``,
  ``written``, ``clinically_reviewed``, ``where_from``), the ``domain.yml`` responses whose words
  it holds (``responses``: ``bot.content.replies.response_names`` reads them back) and the parts
  apart (``answer``) for the web widget to lay out (the body's "where this comes from", per
  paragraph, is the ``where_from`` beside it, not sent twice)::

      {"kind": "topic" | "followup", "topic", "label", "title", "body",
       "sources": [{"source", "title", "publisher", "citation", "section", "dated", "url",
                    "response", "text"}],
       "written", "clinically_reviewed", "reviewed_on", "reviewed_response", "reviewed_line",
       "gaps": [{"what", "response", "text"}],
       "offer": {"response", "text", "buttons"} or None}

Every word comes from the ``domain.yml`` responses in the ``domain`` Rasa sends the action,
filled in as Rasa fills them (``bot.content.replies.render``); the topic body from ``content/``.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.helpline import helpline_response
from bot.content.answers import Answer
from bot.content.replies import Part, joined, render


class Speaker:
    """Renders ``domain.yml`` responses for one conversation (its slots and channel)."""

    def __init__(self, domain: dict[str, Any], tracker: Tracker) -> None:
        self.responses = (domain or {}).get("responses") or {}
        self.slots = tracker.current_slot_values() or {}
        self.channel = tracker.get_latest_input_channel()

    def part(self, name: str, /, **values: Any) -> Part:
        return render(self.responses, name, self.slots, self.channel, **values)

    def helpline_offer(self, offer_callback: bool = True) -> Part:
        name, values = helpline_response(offer_callback)
        return self.part(name, **values)


def _offer_json(offer: Part | None) -> dict | None:
    return {"response": offer.response, "text": offer.text, "buttons": offer.buttons} if offer else None


def send(dispatcher: CollectingDispatcher, parts: list[Part], custom: dict, blocks: list[str] | None = None) -> None:
    """Send ``parts`` as one message: their texts (or ``blocks``, the same words grouped into
    paragraphs), every part's buttons, and ``custom`` with ``responses``: the parts' names, in order."""
    dispatcher.utter_message(
        text=joined(blocks if blocks is not None else [p.text for p in parts]),
        buttons=[b for p in parts for b in p.buttons] or None,
        json_message={**custom, "responses": [p.response for p in parts]},
    )


def send_answer(dispatcher: CollectingDispatcher, speaker: Speaker, answer: Answer, offer: bool) -> None:
    """A topic answer as one message; with the helpline offer when ``offer``."""
    sources = [speaker.part("utter_source" if s["url"] else "utter_source_no_link", citation=s["citation"],
                            section=s["section"], dated=s["dated"], url=s["url"]) for s in answer.sources]
    reviewed = bool(answer.reviewed_on)
    line = speaker.part("utter_written_reviewed" if reviewed else "utter_written_unreviewed", written=answer.written,
                        reviewed_on=answer.reviewed_on, reviewed_by=answer.reviewed_by)
    gaps = [speaker.part("utter_not_covered", gap=gap) for gap in answer.gaps]
    helpline = speaker.helpline_offer() if offer else None
    keys = ("source", "title", "publisher", "section", "url")
    custom = {
        "topic": answer.topic_id,
        "label": answer.label,
        "sources": [{k: s[k] for k in keys} for s in answer.sources],
        "written": answer.written,
        "clinically_reviewed": reviewed,
        "where_from": answer.where_from,  # per paragraph of the body: the widget's "Where this comes from"
        "answer": {
            "kind": "topic", "topic": answer.topic_id, "label": answer.label, "title": answer.title,
            "body": answer.body,  # its "where this comes from" is ``where_from`` above (not sent twice)
            "sources": [{**{k: s[k] for k in (*keys, "citation", "dated")}, "response": p.response, "text": p.text}
                        for s, p in zip(answer.sources, sources)],
            "written": answer.written, "clinically_reviewed": reviewed, "reviewed_on": answer.reviewed_on,
            "reviewed_response": line.response, "reviewed_line": line.text,
            "gaps": [{"what": gap, "response": p.response, "text": p.text} for gap, p in zip(answer.gaps, gaps)],
            "offer": _offer_json(helpline),
        },
    }
    offered = [helpline] if helpline else []
    # the body, then the sources as one paragraph (a line each), then a paragraph a part
    blocks = [answer.body, "\n".join(p.text for p in sources), line.text, *(p.text for p in gaps + offered)]
    send(dispatcher, [*sources, line, *gaps, *offered], custom, blocks)


def send_followup_gaps(dispatcher: CollectingDispatcher, speaker: Speaker, answer: Answer) -> None:
    """"The information I have on \"X\" does not cover ...", a line a gap, then the helpline offer: one message."""
    gaps = [speaker.part("utter_followup_not_covered", title=answer.title, gap=gap) for gap in answer.gaps]
    helpline = speaker.helpline_offer()
    custom = {"answer": {
        "kind": "followup", "topic": answer.topic_id, "label": answer.label, "title": answer.title,
        "body": "", "sources": [], "written": answer.written, "clinically_reviewed": bool(answer.reviewed_on),
        "reviewed_on": answer.reviewed_on, "reviewed_response": "", "reviewed_line": "",
        "gaps": [{"what": gap, "response": p.response, "text": p.text} for gap, p in zip(answer.gaps, gaps)],
        "offer": _offer_json(helpline),
    }}
    send(dispatcher, [*gaps, helpline], custom)


def send_with_offer(dispatcher: CollectingDispatcher, speaker: Speaker, name: str, with_nurse: bool = False) -> None:
    """Response ``name`` and the helpline offer as one message (the kind no, the second miss); while a
    nurse has already been asked (``with_nurse``), "your request is already with the nurses" instead of the offer."""
    after = speaker.part("utter_callback_already") if with_nurse else speaker.helpline_offer()
    send(dispatcher, [speaker.part(name), after], {})
