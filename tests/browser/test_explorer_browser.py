"""The explorer in Chromium: draw, upload, step, explain, keyboard, touch, history."""

from __future__ import annotations

import re

import numpy as np
from playwright.sync_api import Page, expect

from ..helpers import X_PNG, png
from .conftest import Shots
from .stepping import click_next

STEP = re.compile(r"/runs/[a-z2-7]{32}\?step=(\d+)")


def draw_line(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    """A mouse stroke on the drawing pad, in pad pixels (280x280 as drawn)."""
    box = page.locator("#pad").bounding_box()
    assert box
    sx, sy = box["width"] / 280, box["height"] / 280
    page.mouse.move(box["x"] + start[0] * sx, box["y"] + start[1] * sy)
    page.mouse.down()
    for i in range(1, 13):
        t = i / 12
        x, y = start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t
        page.mouse.move(box["x"] + x * sx, box["y"] + y * sy)
    page.mouse.up()


def step_of(page: Page) -> int:
    match = STEP.search(page.url)
    assert match, page.url
    return int(match.group(1))


def test_draw_an_x_run_it_step_to_the_end_and_explain_a_cell(server, watched: Page, shot: Shots):
    page = watched
    page.goto(server.url + "/")
    draw_line(page, (40, 40), (240, 240))
    draw_line(page, (240, 40), (40, 240))
    expect(page.locator("input[name=source][value=draw]")).to_be_checked()
    page.check(
        "input[name=preset][value=seed-xo]"
    )  # drawing picks the letters network; the slides' pipeline is chosen by hand
    shot(page, "drawn")
    page.click("button.run")
    page.wait_for_url(STEP)
    assert step_of(page) == 0
    expect(page.locator("li.stage")).to_have_count(1)
    shot(page, "step-0")
    stages = 1
    while page.locator("#steps a[rel=next]").count():
        click_next(page, stages)
        stages += 1
        expect(page.locator("li.stage")).to_have_count(stages)
        shot(page, f"step-{stages - 1}")
    assert stages == 7
    expect(page.locator("#prediction output")).to_have_text("X")
    # click the centre of conv1's first map: cell (3, 3) of 7x7
    pick = page.locator('.pick[data-stage="1"][data-map="0"]')
    box = pick.bounding_box()
    assert box
    pick.click(position={"x": box["width"] * 3.5 / 7, "y": box["height"] * 3.5 / 7})
    explain = page.locator(".explain")
    expect(explain).to_be_visible()
    expect(explain.locator("h3")).to_contain_text("conv1, map 0, row 3, column 3")
    expect(explain.locator(".formula")).to_contain_text("/ 9 =")
    assert "cell=1.0.3.3" in page.url and step_of(page) == 6
    expect(page.locator("rect.field")).to_have_count(1)
    shot(page, "explained")
    # the vote: clicking a class shows its sum and division
    page.click("#prediction button.label >> nth=0")
    expect(page.locator(".explain .formula")).to_contain_text("/ 5 =")
    shot(page, "vote")


def test_upload_a_png_and_open_a_pushed_step_cold(server, watched: Page, shot: Shots, browser):
    page = watched
    page.goto(server.url + "/")
    page.set_input_files(
        "#image", files=[{"name": "x.png", "mimeType": "image/png", "buffer": X_PNG}]
    )
    expect(page.locator("input[name=source][value=upload]")).to_be_checked()
    expect(page.locator("#preview")).to_be_visible()
    shot(page, "chosen")
    page.click("button.run")
    page.wait_for_url(STEP)
    click_next(page, 1)
    expect(page.locator("#steps .where")).to_contain_text("Stage 1 of")
    click_next(page, 2)
    expect(page.locator("li.stage")).to_have_count(3)
    pushed = page.url
    cold = browser.new_page()
    cold.goto(pushed)
    expect(cold.locator("li.stage")).to_have_count(3)
    expect(cold.locator("#steps .where")).to_contain_text("Stage 2 of 6")
    shot(cold, "cold")
    cold.close()
    # the browser's Back button returns to the previous step
    page.go_back()
    page.wait_for_url(re.compile(r"step=1"))
    expect(page.locator("li.stage")).to_have_count(2)


def test_keyboard_steps_plays_and_selects_a_cell(server, watched: Page, shot: Shots):
    page = watched
    page.goto(server.url + "/")
    page.click("button.run")  # the slides' X is the default example
    page.wait_for_url(STEP)
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"step=1"))
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"step=2"))
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"step=1"))
    expect(page.locator("li.stage")).to_have_count(2)
    pick = page.locator('.pick[data-stage="1"][data-map="2"]')
    pick.focus()
    for key in ["ArrowRight", "ArrowRight", "ArrowDown", "Enter"]:
        page.keyboard.press(key)
    expect(page.locator(".explain h3")).to_contain_text("map 2, row 1, column 2")
    expect(page.locator('.pick[data-stage="1"][data-map="2"]')).to_be_focused()
    shot(page, "keyboard-cell")
    page.click("button.play")
    expect(page.locator("button.play")).to_have_attribute("aria-pressed", "true")
    page.wait_for_url(re.compile(r"step=3"), timeout=10_000)
    shot(page, "playing")


def test_bad_upload_is_explained_in_place_and_the_form_still_works(server, page: Page):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/")
    junk = {"name": "x.png", "mimeType": "image/png", "buffer": b"not really a png"}
    page.set_input_files("#image", files=[junk])
    page.click("button.run")
    expect(page.locator("#start-error [role=alert]")).to_contain_text("not a PNG")
    assert page.url.rstrip("/") == server.url
    page.check("input[name=example][value=o]")
    page.click("button.run")
    page.wait_for_url(STEP)
    assert not errors


def test_the_kernel_editor_resizes_and_fills_through_htmx(server, watched: Page):
    page = watched
    page.goto(server.url + "/")
    page.click("#build summary")  # Build your own folds open below Run
    page.select_option("select[name=ksize]", "5")
    expect(page.locator("#kernel-grid input[name=k]")).to_have_count(25)
    page.select_option("#kernel-start", "sobel_gx")
    expect(page.locator("#kernel-grid input[name=k] >> nth=6")).to_have_value("-1")
    expect(page.locator("#kernel-grid input[name=k]")).to_have_count(25)


def test_touch_drawing_in_a_phone_viewport(server, browser, shot: Shots):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    page.goto(server.url + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # nothing sticks out
    page.tap("input[name=source][value=draw]")  # on a phone only the chosen way is open
    cdp = context.new_cdp_session(page)
    box = page.locator("#pad").bounding_box()
    assert box

    def touch_stroke(points: list[tuple[float, float]]) -> None:
        def at(p: tuple[float, float]) -> list[dict[str, float]]:
            return [{"x": box["x"] + p[0] * box["width"], "y": box["y"] + p[1] * box["height"]}]

        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": at(points[0])})
        for p in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": at(p)})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    line = [(0.15 + 0.07 * i, 0.15 + 0.07 * i) for i in range(11)]
    touch_stroke(line)
    touch_stroke([(0.85 - 0.07 * i, 0.15 + 0.07 * i) for i in range(11)])
    ink = page.evaluate(
        """() => { const c = document.getElementById('pad');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n; }"""
    )
    assert ink > 2000  # two thick strokes were drawn by touch
    expect(page.locator("input[name=source][value=draw]")).to_be_checked()
    shot(page, "phone-drawn")
    page.click("button.run")
    page.wait_for_url(STEP)
    page.click("#steps >> text=Show all")
    expect(page.locator("#prediction output")).to_have_text("X")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "phone-all")
    context.close()


def test_the_api_docs_render_offline(server, watched: Page):
    page = watched
    page.route(re.compile(r"^(?!http://127\.0\.0\.1)"), lambda route: route.abort())
    page.goto(server.url + "/docs")
    expect(
        page.locator(".opblock-summary-path").get_by_text("/api/run", exact=True)
    ).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/presets")).to_be_visible()
    # the JSON API, then health; the HTML pages are not part of the API's contract
    expect(page.locator(".opblock-tag").first).to_contain_text("api")
    expect(page.locator(".opblock-tag").nth(1)).to_contain_text("health")
    expect(page.locator(".opblock-summary-path", has_text="/runs/{run_id}/overview")).to_have_count(
        0
    )


def big_noise_png() -> bytes:
    """About 2 MB of PNG that does not compress: enough for the progress bar to show."""
    rng = np.random.default_rng(1)
    return png(rng.integers(0, 256, (820, 820, 3), dtype=np.uint8))


def test_drop_paste_and_upload_progress(server, watched: Page, shot: Shots):
    page = watched
    page.goto(server.url + "/")
    files = {"x.png": X_PNG}
    put = """([name, bytes, how]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(bytes)], name, {type: 'image/png'}));
        if (how === 'drop') {
            document.getElementById('drop').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
        } else {
            document.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
        }
        return document.getElementById('image').files[0].name;
    }"""
    assert page.evaluate(put, ["dropped.png", list(files["x.png"]), "drop"]) == "dropped.png"
    expect(page.locator("input[name=source][value=upload]")).to_be_checked()
    page.check("input[name=source][value=example]")
    assert page.evaluate(put, ["pasted.png", list(files["x.png"]), "paste"]) == "pasted.png"
    expect(page.locator("input[name=source][value=upload]")).to_be_checked()
    expect(page.locator("#preview")).to_be_visible()
    big = big_noise_png()
    assert len(big) > 1_500_000
    page.set_input_files(
        "#image", files=[{"name": "big.png", "mimeType": "image/png", "buffer": big}]
    )
    page.evaluate(
        """() => { const bar = document.getElementById('progress');
        new MutationObserver(() => { if (!bar.hidden) sessionStorage.setItem('progress-seen', bar.value); })
          .observe(bar, {attributes: true}); }"""
    )
    page.check("input[name=preset][value=sobel-edges]")
    page.click("button.run")
    page.wait_for_url(STEP)
    assert page.evaluate("sessionStorage.getItem('progress-seen')") is not None
    expect(page.locator("li.stage")).to_have_count(1)
    shot(page, "big-upload")


def test_share_a_run_and_open_its_link(server, watched: Page, shot: Shots, browser):
    page = watched
    page.goto(server.url + "/")
    page.click("button.run")
    page.wait_for_url(STEP)
    page.click("details.share summary")
    page.fill("details.share input[name=title]", "<b>My X</b>")
    page.click("details.share button[type=submit]")
    link = page.locator("#share-link")
    expect(link).to_have_value(re.compile(r"/d/[a-z2-7]{32}$"))
    shot(page, "shared")
    other = browser.new_page()
    other.goto(link.input_value())
    expect(other.locator(".demo-head h1")).to_have_text("<b>My X</b>")  # shown as text
    expect(other.locator("li.stage")).to_have_count(1)
    click_next(other, 1)
    assert re.search(r"/d/[a-z2-7]{32}\?step=1$", other.url)
    expect(other.locator("li.stage")).to_have_count(2)
    other.close()


def test_arrow_keys_pressed_quickly_step_once_each(server, watched: Page):
    page = watched
    page.goto(server.url + "/")
    page.click("button.run")
    page.wait_for_url(STEP)
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"step=4$"))
    expect(page.locator("li.stage")).to_have_count(5)
    ids = page.locator("li.stage").evaluate_all("els => els.map(e => e.id)")
    assert ids == [f"stage-{i}" for i in range(5)]  # each stage once, in order
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
    page.wait_for_url(re.compile(r"step=1$"))
    expect(page.locator("li.stage")).to_have_count(2)
