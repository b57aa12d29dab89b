"""Class boards: a teacher makes one with its classes and gets a short join code and a private
key; students (anonymous sessions) send drawings into its classes from their phones; the teacher
hides or removes drawings, closes the board and trains a network on what is shown."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import numpy as np

from ..engine import EngineError
from ..learn.trainer import NEW
from ..settings import Settings
from ..store import Tables
from ..store.boards import BoardDrawing, BoardRecord
from .drawings import fitted
from .retention import Clock, NotFound, known_form, random_id
from .trainings import Trainings, TrainingView

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""A join code's alphabet: no 0/O, 1/I to mix up when read off a projector."""
CODE_LENGTH = 6
CLASS_TIMES = 4
"""A board's class holds this many times the drawings one learner's class may: a class of
students draws together."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))


class NotAllowed(Exception):
    """Only the board's teacher (who holds its key) may do this."""


class Closed(Exception):
    """The board takes no more drawings."""


@dataclass(frozen=True)
class BoardView:
    board: BoardRecord
    drawings: list[BoardDrawing]
    """Oldest first; hidden ones only for the teacher."""
    counts: list[int]
    """Shown drawings in each class."""

    @property
    def total(self) -> int:
        return sum(self.counts)


class Boards:
    def __init__(
        self, settings: Settings, store: Tables, trainings: Trainings, clock: Clock
    ) -> None:
        self.settings = settings
        self.store = store
        self.trainings = trainings
        self.clock = clock

    def create(self, classes: list[str]) -> tuple[BoardRecord, str]:
        """A new board of ``classes`` and its teacher's key."""
        names = [c.strip() for c in classes if c.strip()]
        most = self.settings.max_training_classes
        if not 2 <= len(names) <= most:
            raise EngineError("classes", f"a board has 2 to {most} classes")
        if any(len(n) > 20 for n in names):
            raise EngineError("classes", "a class name has at most 20 characters")
        if len(set(names)) < len(names):
            raise EngineError("classes", "two classes have the same name")
        code = new_code()
        while self.store.board_by_code(code) is not None:  # taken: draw again
            code = new_code()
        board, token = BoardRecord(random_id(), code, names), secrets.token_urlsafe(24)
        self.store.put_board(board, token, self.clock())
        return board, token

    def board(self, board_id: str) -> BoardRecord:
        found = self.store.get_board(known_form(board_id, "class board"))
        if found is None:
            raise NotFound("there is no class board with this address")
        return found

    def joined(self, code: str) -> BoardRecord:
        """The board a join code names (any case, spaces and dashes left out)."""
        wanted = "".join(ch for ch in code.upper() if ch.isalnum())
        found = self.store.board_by_code(wanted) if len(wanted) == CODE_LENGTH else None
        if found is None:
            raise NotFound(f"no class board has the code {code[:12]!r}: check it with your teacher")
        return found

    def teacher(self, board_id: str, token: str) -> BoardRecord:
        """The board, for whoever holds its key (NotAllowed, a 403, for anyone else)."""
        board = self.board(board_id)
        if not token or not self.store.board_admin(board.id, token):
            raise NotAllowed("only the board's teacher can do this (their link holds its key)")
        return board

    def state(self, board_id: str) -> tuple[object, ...]:
        """What the board's page shows changes with (open or not, its training, its drawings),
        in one read, for a stream to ask often."""
        found = self.store.board_state(known_form(board_id, "class board"))
        if found is None:
            raise NotFound("there is no class board with this address")
        return found

    def seen(self, board_id: str) -> None:
        """Someone opened the board's page (retention lets unopened boards go)."""
        self.store.set_board(board_id, viewed_at=self.clock())

    def view(self, board_id: str, token: str = "") -> BoardView:
        """The board as its teacher sees it (``token`` is its key, checked: hidden drawings
        too) or as a student does (no token)."""
        board = self.teacher(board_id, token) if token else self.board(board_id)
        drawings = self.store.board_drawings(board.id)
        shown = [d for d in drawings if not d.hidden]
        counts = np.bincount([d.label for d in shown], minlength=len(board.classes)).tolist()
        return BoardView(board, drawings if token else shown, counts)

    def drawing(self, board_id: str, drawing_id: str, token: str = "") -> BoardDrawing:
        """One drawing of the board (a hidden one for its teacher only, ``token`` checked)."""
        board = self.teacher(board_id, token) if token else self.board(board_id)
        found = self.store.board_drawing(board.id, drawing_id)
        if found is None or (found.hidden and not token):
            raise NotFound("this board has no such drawing")
        return found

    def send(
        self, board_id: str, label: int, picture: bytes, session: str
    ) -> tuple[BoardRecord, list[int]]:
        """A student's drawing into class ``label``; the board and its shown counts after."""
        board = self.board(board_id)
        if not board.open:
            raise Closed("the teacher has closed this board: it takes no more drawings")
        if not 0 <= label < len(board.classes):
            raise EngineError("label", f"this board's classes are {', '.join(board.classes)}")
        most = self.settings.max_drawings_per_class
        if self.store.board_drawing_count(board.id, "session", session) >= most:
            raise EngineError("drawing", f"you have sent {most} drawings here, the most one may")
        if self.store.board_drawing_count(board.id, "label", label) >= most * CLASS_TIMES:
            raise Closed(f"{board.classes[label]!r} is full: the teacher can remove drawings or "
                         "train now")  # fmt: skip
        images, _ = fitted(board.classes, [(label, picture)], self.settings.max_image_pixels)
        drawing = BoardDrawing(random_id(), label, images[0], session)
        self.store.add_board_drawing(board.id, drawing, self.clock())
        return board, self.store.shown_counts(board.id, len(board.classes))

    def hide(self, board_id: str, token: str, drawing_id: str, hidden: bool) -> None:
        board = self.teacher(board_id, token)
        if not self.store.hide_board_drawing(board.id, drawing_id, hidden):
            raise NotFound("this board has no such drawing")

    def remove(self, board_id: str, token: str, drawing_id: str) -> None:
        board = self.teacher(board_id, token)
        if not self.store.remove_board_drawing(board.id, drawing_id):
            raise NotFound("this board has no such drawing")

    def set_open(self, board_id: str, token: str, open_: bool) -> None:
        self.store.set_board(self.teacher(board_id, token).id, open=int(open_))

    def train(self, board_id: str, token: str, seed: int) -> TrainingView:
        """A training, from scratch with the defaults, of the drawings the board shows."""
        board = self.teacher(board_id, token)
        shown = [d for d in self.store.board_drawings(board.id) if not d.hidden]
        if not shown:
            raise EngineError("drawings", "no drawings yet: at least 3 in each class to train")
        images = np.stack([d.ink for d in shown]).astype(np.float32)
        labels = np.array([d.label for d in shown], np.int64)
        most = self.settings.max_drawings_per_class * CLASS_TIMES
        made = self.trainings.create_fitted(board.classes, images, labels, seed, NEW, most)
        self.store.set_board(board.id, training=made.id)
        return made
