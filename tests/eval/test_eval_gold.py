from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from support import RTQA

from eval.gold import Evidence, GoldQuestion, Turn, load_gold, read_gold, resolve_evidence
from index.errors import InputError

GOOD = {
    "id": "20220805_3",
    "question": "A US drone strike killed a terrorist associated with which group?",
    "answer": "al Qaeda",
    "choices": ["Hezbollah", "Boko Haram", "al Qaeda", "ISIS"],
    "question_date": "2022-08-04",
    "source": "CNN",
    "answerable": True,
    "evidence": [
        {"article_id": "rtqa_a", "quote": "Zawahiri led al Qaeda."},
        {"article_id": "rtqa_b", "quote": "The leader of al Qaeda was killed."},
        {"article_id": "rtqa_a", "quote": "Another sentence."},
    ],
}


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_loads_the_rtqa_format(tmp_path: Path) -> None:
    unanswerable = {"id": "u1", "question": "Who?", "answer": "", "answerable": False}
    path = write(tmp_path / "gold.jsonl", json.dumps(GOOD), "", json.dumps(unanswerable))
    first, second = load_gold(path)
    assert first.id == "20220805_3"
    assert first.answer == "al Qaeda"
    assert first.answerable
    assert first.question_date == dt.date(2022, 8, 4)
    assert first.evidence[1] == Evidence("rtqa_b", "The leader of al Qaeda was killed.")
    assert first.evidence_ids == ("rtqa_a", "rtqa_b")
    assert first.choices == ("Hezbollah", "Boko Haram", "al Qaeda", "ISIS")
    assert first.line == 1
    assert (second.id, second.answerable, second.evidence, second.line) == ("u1", False, (), 3)


def test_defaults_and_limit(tmp_path: Path) -> None:
    lines = [json.dumps({"question": f"Question {i}?", "answer": "yes"}) for i in range(5)]
    questions = load_gold(write(tmp_path / "gold.jsonl", *lines), limit=2)
    assert [q.id for q in questions] == ["line-1", "line-2"]
    assert questions[0].answerable is True
    assert questions[0].question_date is None
    assert questions[0].evidence == ()


def test_loads_the_sample_questions() -> None:
    questions = load_gold(Path(__file__).resolve().parents[2] / "samples" / "questions.jsonl")
    assert len(questions) == 15
    assert sum(not q.answerable for q in questions) == 2


def test_bad_json_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "gold.jsonl", json.dumps(GOOD), '{"question": "Who?", "answer": ')
    with pytest.raises(InputError, match=r"gold\.jsonl, line 2: not valid JSON"):
        load_gold(path)


def test_bad_line_fails_even_past_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path / "gold.jsonl", json.dumps(GOOD), "not json")
    with pytest.raises(InputError, match="line 2"):
        load_gold(path, limit=1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"question": None}, "line 1: field 'question' is missing"),
        ({"question": "  "}, "field 'question' must be a non-empty string, got an empty string"),
        ({"question": 3}, "field 'question' must be a non-empty string, got a number"),
        ({"answer": 4.5}, "field 'answer' must be a string, got a number"),
        ({"answer": ""}, "field 'answer' is empty but the question is answerable"),
        ({"answerable": "yes"}, "field 'answerable' must be true or false"),
        ({"evidence": "rtqa_a"}, "field 'evidence' must be a list"),
        ({"evidence": ["rtqa_a"]}, r"field evidence\[0\] must be an object"),
        ({"evidence": [{"quote": "q"}]}, r"field evidence\[0\]\.article_id must be"),
        ({"evidence": [{"article_id": "a", "quote": 1}]}, r"'evidence\[0\]\.quote' must be a str"),
        ({"question_date": "22 July"}, "field 'question_date' must be a YYYY-MM-DD date"),
        ({"choices": "a, b"}, "field 'choices' must be a list of strings"),
        ({"id": ["x"]}, "field 'id' must be a non-empty string"),
    ],
)
def test_field_errors_name_line_and_field(tmp_path: Path, change: dict, message: str) -> None:
    record = {**GOOD, **change}
    record = {k: v for k, v in record.items() if not (k == "question" and v is None)}
    path = write(tmp_path / "gold.jsonl", json.dumps(record))
    with pytest.raises(InputError, match=message) as info:
        load_gold(path)
    assert str(path) in str(info.value)


def test_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="line 1: expected a JSON object, got a list"):
        load_gold(write(tmp_path / "gold.jsonl", "[1, 2]"))


def test_duplicate_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "gold.jsonl", json.dumps(GOOD), json.dumps(GOOD))
    with pytest.raises(InputError, match="line 2: id '20220805_3' is already used on line 1"):
        load_gold(path)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="holds no questions"):
        load_gold(write(tmp_path / "empty.jsonl", "", "  "))
    with pytest.raises(InputError, match="Cannot read the gold file"):
        load_gold(tmp_path / "missing.jsonl")
    with pytest.raises(InputError, match="limit must be at least 1"):
        load_gold(write(tmp_path / "gold.jsonl", json.dumps(GOOD)), limit=0)


# -- answers, tags, conversations, evidence by url or title ---------------------------------


def test_answers_tags_conversation_and_url_evidence(tmp_path: Path) -> None:
    record = {
        "id": "f1",
        "question": "When was she sworn in?",
        "answer": "November 17",
        "answers": ["17 November", "November 17"],
        "tags": ["politics", " follow-up ", "politics", ""],
        "conversation": [
            {"question": "Who won the runoff in Estravia?", "answer": "Lena Marovic won."},
            "And by how much?",
        ],
        "evidence": [
            {"url": "https://example.org/a", "quote": "She was sworn in on November 17."},
            {"title": "Marovic sworn in"},
        ],
    }
    (q,) = load_gold(write(tmp_path / "gold.jsonl", json.dumps(record)))
    assert q.answer == "November 17"
    assert q.answers == ("November 17", "17 November")  # answer first, each once
    assert q.tags == ("politics", "follow-up")
    assert q.conversation == (
        Turn("Who won the runoff in Estravia?", "Lena Marovic won."),
        Turn("And by how much?", ""),
    )
    assert q.evidence[0] == Evidence(
        "", "She was sworn in on November 17.", url="https://example.org/a"
    )
    # not resolved yet: no article id to score retrieval on
    assert q.evidence_ids == ()
    assert q.quotes == ("She was sworn in on November 17.",)


def test_answers_alone_are_enough_and_history_is_an_alias(tmp_path: Path) -> None:
    record = {"question": "Who?", "answers": ["Ann", "Anne"], "history": ["Who came?"]}
    (q,) = load_gold(write(tmp_path / "gold.jsonl", json.dumps(record)))
    assert (q.answer, q.answers, q.conversation) == ("Ann", ("Ann", "Anne"), (Turn("Who came?"),))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answers": "Ann"}, "field 'answers' must be a list of strings"),
        (
            {"answer": "", "answers": [" "]},
            "field 'answer' is empty but the question is answerable",
        ),
        ({"tags": "politics"}, "field 'tags' must be a list of strings"),
        ({"conversation": "Who won?"}, "field 'conversation' must be a list of earlier turns"),
        ({"conversation": [{"answer": "x"}]}, r"field conversation\[0\] must be a question"),
        ({"evidence": [{"url": 5}]}, r"field evidence\[0\]\.url must be a non-empty string"),
        ({"answer": "Hamas"}, "field 'answer' 'Hamas' is not one of the choices"),
    ],
)
def test_new_field_errors(tmp_path: Path, change: dict, message: str) -> None:
    path = write(tmp_path / "gold.jsonl", json.dumps({**GOOD, **change}))
    with pytest.raises(InputError, match=message):
        load_gold(path)


def test_answer_matches_a_choice_after_folding(tmp_path: Path) -> None:
    record = {**GOOD, "answer": "Al-Qaeda"}
    (q,) = load_gold(write(tmp_path / "gold.jsonl", json.dumps(record)))
    assert q.answer == "Al-Qaeda"


def test_every_bad_line_is_reported_at_once(tmp_path: Path) -> None:
    lines = [
        json.dumps(GOOD),
        '{"answer": "x"}',
        json.dumps({**GOOD, "id": "2", "answerable": "no"}),
        "not json",
        json.dumps({**GOOD, "id": "4"}),
    ]
    with pytest.raises(InputError) as info:
        load_gold(write(tmp_path / "gold.jsonl", *lines))
    message = str(info.value)
    assert "3 bad lines" in message
    assert "gold.jsonl, line 2: field 'question' is missing" in message
    assert "gold.jsonl, line 3: field 'answerable' must be true or false" in message
    assert "gold.jsonl, line 4: not valid JSON" in message
    assert "line 5" not in message


def test_unknown_fields_are_warned_about(tmp_path: Path) -> None:
    record = {**GOOD, "anwser": "typo", "notes": "x"}
    gold = read_gold(
        write(
            tmp_path / "gold.jsonl",
            json.dumps(record),
            json.dumps(GOOD | {"id": "b", "notes": "y"}),
        )
    )
    assert gold.warnings == [
        f"{tmp_path / 'gold.jsonl'}: unknown field 'anwser' (first on line 1) is ignored",
        f"{tmp_path / 'gold.jsonl'}: unknown field 'notes' (first on line 1) is ignored",
    ]


@pytest.mark.parametrize("name", ["dev.jsonl", "small/dev.jsonl"])
def test_the_rtqa_files_load_as_they_are(name: str) -> None:
    path = RTQA / name
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    gold = read_gold(path)
    assert len(gold.questions) == {"dev.jsonl": 817, "small/dev.jsonl": 60}[name]
    assert gold.warnings == []
    assert all(q.choices and q.answer in q.choices for q in gold.questions)


# -- CSV -------------------------------------------------------------------------------------

CSV_GOLD = """id,question,answer,answers,choices,answerable,question_date,source,tags,evidence_article_id,evidence_quote,conversation
c1,Which group?,al Qaeda,al-Qaida|Al Qaeda,"[""Hezbollah"", ""al Qaeda""]",yes,2022-08-04,CNN,world|security,rtqa_a|rtqa_b,"Zawahiri led al Qaeda.|The leader, a ""doctor"", was killed.",
c2,"A question
over two lines?",,,,false,,,,,,
c3,And then?,Ann,,,,,,,,,Who came first?|Who came second?
"""


def test_csv_gold(tmp_path: Path) -> None:
    path = tmp_path / "gold.csv"
    path.write_text(CSV_GOLD, encoding="utf-8")
    c1, c2, c3 = load_gold(path)
    assert c1.answers == ("al Qaeda", "al-Qaida", "Al Qaeda")
    assert c1.choices == ("Hezbollah", "al Qaeda")
    assert (c1.answerable, c1.question_date, c1.source) == (True, dt.date(2022, 8, 4), "CNN")
    assert c1.tags == ("world", "security")
    assert c1.evidence == (
        Evidence("rtqa_a", "Zawahiri led al Qaeda."),
        Evidence("rtqa_b", 'The leader, a "doctor", was killed.'),
    )
    assert (c1.line, c2.line, c3.line) == (2, 3, 5)  # c2's question spans two lines
    assert (c2.question, c2.answerable, c2.answers) == ("A question\nover two lines?", False, ())
    assert c3.conversation == (Turn("Who came first?"), Turn("Who came second?"))


def test_csv_evidence_by_url_and_json_evidence(tmp_path: Path) -> None:
    path = tmp_path / "gold.csv"
    evidence = json.dumps([{"article_id": "x", "quote": "q|uote"}]).replace('"', '""')
    path.write_text(
        "question,answer,evidence_url,evidence_title\n"
        "Who?,Ann,https://a.example/1|https://a.example/2,\n"
        "What?,Bo,,Some title\nWhy?,Cy\nHow?,Di,\n",
        encoding="utf-8",
    )
    first, second, *_ = load_gold(path)
    assert [e.url for e in first.evidence] == ["https://a.example/1", "https://a.example/2"]
    assert second.evidence == (Evidence("", "", title="Some title"),)
    path.write_text(f'question,answer,evidence\nWho?,Ann,"{evidence}"\n', encoding="utf-8")
    (q,) = load_gold(path)
    assert q.evidence == (Evidence("x", "q|uote"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("question,anwser\nWho?,Ann\n", r"line 1: unknown column\(s\) 'anwser'"),
        ("answer\nAnn\n", "line 1: no 'question' column"),
        (
            "question,answer,answerable\nWho?,Ann,maybe\n",
            "line 2: field 'answerable' must be true or false",
        ),
        ("question,answer\nWho?,\n", "line 2: field 'answer' is empty"),
        (
            'question,answer,choices\nWho?,Ann,"[1, 2"\n',
            "line 2: field 'choices' is not a valid JSON list",
        ),
        ("question,answer\nWho?,Ann,extra\n", "line 2: 3 cells but the header names 2"),
        (
            "question,answer,evidence_article_id,evidence_url\nWho?,Ann,a|b|c,u|v\n",
            "line 2: field 'evidence_(article_id|url)' has 2 values but another evidence column has 3",
        ),
    ],
)
def test_csv_errors_name_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gold.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        load_gold(path)
    assert str(path) in str(info.value)


# -- evidence against a real store -----------------------------------------------------------


@pytest.mark.slow
def test_resolve_evidence_by_id_url_and_title(sample_store: Path) -> None:
    from index.store import open_store

    questions = [
        GoldQuestion(
            "q1",
            "How much?",
            "$412 million",
            evidence=(
                Evidence("desal-plant-cost-overrun"),
                Evidence(
                    "",
                    "quote",
                    url="http://www.harborledger.example/news/2025/09/22/gull-point-desalination-cost-overrun/",
                ),
                Evidence("", title="redstone ridge fire contained after burning 18,400 HECTARES"),
            ),
            line=1,
        ),
        GoldQuestion(
            "q2",
            "Who?",
            "Ann",
            evidence=(Evidence("no-such-article"), Evidence("", url="https://nowhere.example/x")),
            line=2,
        ),
    ]
    store = open_store(sample_store)
    try:
        (q1, q2), warnings = resolve_evidence(questions, store)
    finally:
        store.close()
    assert q1.evidence_ids == ("desal-plant-cost-overrun", "heatwave-fire-contained")
    assert q1.evidence[1].quote == "quote"
    assert q2.evidence_ids == ("no-such-article",)  # the url matched nothing: left out
    assert len(warnings) == 1
    assert warnings[0].startswith("2 evidence article(s) match no article in the store: ")
    assert "q2 (line 2): article_id 'no-such-article'" in warnings[0]
    assert "q2 (line 2): url 'https://nowhere.example/x'" in warnings[0]
