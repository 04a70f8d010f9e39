import pytest

from soc2ctl.config.templating import TemplateProblem, render, variables_used


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        ("{{ n }}", {"n": 35}, 35),
        ("{{ flag }}", {"flag": False}, False),
        ("{{ acct }}", {"acct": "000000000000"}, "000000000000"),  # ids stay text, zeros and all
        ("{{ acct }}", {"acct": "123456789012"}, "123456789012"),
        ("{{ d }}", {"d": {"S3_DATA_EVENTS": True}}, {"S3_DATA_EVENTS": True}),
        ("{{ none_var }}", {"none_var": None}, None),
        ("{{ 5 }}", {}, 5),
        ("arn:aws:s3:::logs-{{ acct }}", {"acct": "123456789012"}, "arn:aws:s3:::logs-123456789012"),
        (
            "{{ a or ids[name] }}",
            {"a": None, "ids": {"audit": "012345678901"}, "name": "audit"},
            "012345678901",
        ),
    ],
)
def test_native_types_follow_the_variable(template, variables, expected):
    assert render(template, variables) == expected


def test_nested_values_and_undefined_variables():
    assert render({"x": ["{{ a }}", 1]}, {"a": 2}) == {"x": [2, 1]}
    with pytest.raises(TemplateProblem, match="undefined"):
        render("{{ missing }}", {})
    assert variables_used({"a": "{{ x + y }}", "b": ["{{ z }}"]}) == {"x", "y", "z"}
