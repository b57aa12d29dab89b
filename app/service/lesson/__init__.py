"""The lesson: the slides' story in twelve chapters, each computed by the engine when asked.

``CHAPTERS`` lists them in order; each carries the function that works out its page
(``chapters``), from the slides' network's numbers (``slides``)."""

from ...engine.explanations import slides_print
from .chapters import CHAPTERS, UPLOADS, Chapter, Place, chapter_number
from .questions import Question, question
from .slides import letters_spec

__all__ = [
    "CHAPTERS",
    "UPLOADS",
    "Chapter",
    "Place",
    "Question",
    "chapter_number",
    "letters_spec",
    "question",
    "slides_print",
]
