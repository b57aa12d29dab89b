"""Predict, then see (issue 28, item 2): each chapter from 3 to 12 asks one question before it
shows its answer, and the right answer is the number the chapter itself computes."""

from __future__ import annotations

import re

import pytest

from app.service.lesson import CHAPTERS

from .helpers import parse

pytestmark = pytest.mark.anyio
ASKING = [c.slug for c in CHAPTERS[2:12]]


async def asked(client, slug: str) -> tuple[str, list[str], str, str]:
    """(prompt, choices, the right choice, the why) as the chapter's page carries them."""
    page = parse((await client.get(f"/lesson/{slug}")).text)
    ask = page.one("section", class_="ask")
    choices = [b.text for b in ask.find_all("button", class_="choice")]
    right = choices[int(ask["data-answer"] or "")]
    answer = ask.one("details", class_="reveal").one("p")
    assert answer.one("strong").text == right  # the reveal names the same choice
    return ask.one("p", class_="ask-prompt").text, choices, right, answer.text


@pytest.mark.parametrize("slug", ASKING)
async def test_each_chapter_from_3_to_12_asks_one_question_with_two_to_four_choices(client, slug):
    prompt, choices, right, why = await asked(client, slug)
    assert prompt.endswith("?") and 2 <= len(choices) <= 4 and len(set(choices)) == len(choices)
    assert len(why) > len(right) + 20  # a why, not only the answer


@pytest.mark.parametrize("slug", ["pictures", "fully-connected", "train-your-own"])
async def test_the_first_two_chapters_and_the_last_ask_nothing(client, slug):
    assert 'class="ask"' not in (await client.get(f"/lesson/{slug}")).text


async def test_the_right_answers_are_the_chapters_own_numbers(client):
    # 5: the window at the centre, as the convolution chapter works it out there
    _, _, right, _ = await asked(client, "convolution")
    centre = (await client.get("/lesson/convolution?row=3&col=3")).text
    assert right == "0.55" and f"(the slides cut it to <b>{right}</b>)" in centre
    # 8: as many zeros as the chapter counts negative values
    _, _, right, _ = await asked(client, "relu")
    counted = re.search(
        r"(\d+) of 49 values were negative", (await client.get("/lesson/relu")).text
    )
    assert counted and right == counted[1]
    # 6: one pixel right, still an X
    _, _, right, why = await asked(client, "feature-map")
    assert right == "X" and "0.9111" in why
    # 3: the shifted X's count of differing pixels
    _, _, right, _ = await asked(client, "x-or-o")
    text = (await client.get("/lesson/x-or-o")).text
    assert f"Shifted one pixel right: <b>{right}</b> of 81 pixels differ" in text
    # 11: the slides' values vote X
    assert (await asked(client, "vote"))[2] == "X"


async def test_the_question_stays_when_the_chapter_moves(client):
    # moving the window swaps only the chapter's body; the question sits outside it
    fragment = (await client.get("/lesson/feature-map?dx=1", headers={"HX-Request": "true"})).text
    assert 'class="ask"' not in fragment and 'id="mover"' in fragment
    embedded = (await client.get("/embed/lesson/relu")).text
    assert 'class="ask"' in embedded
