"""The bank's emphasis markup: `**不属于**` prints bold (and underlined) on papers and pages, and
nothing else in a stem is taken as markup."""

from __future__ import annotations

import pytest

from examsvc.web.emphasis import emphasis, plain


@pytest.mark.parametrize(
    ("stem", "html"),
    [
        ("下列**不属于**特种设备的是（  ）。", '下列<strong class="neg">不属于</strong>特种设备的是（  ）。'),
        (
            "下列说法**错误**的是，**不**包括",
            '下列说法<strong class="neg">错误</strong>的是，<strong class="neg">不</strong>包括',
        ),
        ("没有标记的题干", "没有标记的题干"),
        ("<b>**不**</b> & 1*2", '&lt;b&gt;<strong class="neg">不</strong>&lt;/b&gt; &amp; 1*2'),
        ("**<script>**", '<strong class="neg">&lt;script&gt;</strong>'),
        ("单个*星号*不算", "单个*星号*不算"),
    ],
)
def test_emphasis_marks_the_word_and_escapes_the_rest(stem, html):
    assert str(emphasis(stem)) == html


def test_plain_drops_the_markup():
    assert plain("下列**不属于**的是") == "下列不属于的是"
