"""One walk for dotted mapping sources, one Accept-header template choice."""
from __future__ import annotations

from aws_sandbox.apigateway import accesslog, gatewayresponses
from aws_sandbox.apigateway.deployments import GatewayResponse
from aws_sandbox.apigateway.lookup import context_or_stage_value, dotted, json_body_value, template_for_accept

CONTEXT = {"requestId": "r-1", "identity": {"sourceIp": "127.0.0.1", "apiKey": None}, "requestTimeEpoch": 17}


def test_a_dotted_source_that_names_nothing_is_none_everywhere():
    assert dotted(CONTEXT, "identity.sourceIp") == "127.0.0.1"
    assert dotted(CONTEXT, "identity.missing") is None
    assert dotted(CONTEXT, "requestId.deeper") is None  # through a string
    assert context_or_stage_value("context.identity.apiKey", CONTEXT, {}) is None
    assert context_or_stage_value("context.requestTimeEpoch", CONTEXT, {}) == "17"
    assert context_or_stage_value("stageVariables.nope", CONTEXT, {"env": "dev"}) is None
    assert json_body_value(b'{"a": {"b": [1, 2]}}', "a.b") == "[1,2]"
    assert json_body_value(b'{"a": {"b": "text"}}', "a.b") == "text"
    assert json_body_value(b'{"a": 1}', "a.b") is None and json_body_value(b"not json", "a") is None


def test_the_access_log_prints_a_dash_for_what_names_nothing():
    assert accesslog.format_line("$context.requestId $context.identity.apiKey $context.nope.x",
                                 CONTEXT) == "r-1 - -"


class _Snapshot:
    def __init__(self, response: GatewayResponse):
        self.gateway_responses = {"MISSING_AUTHENTICATION_TOKEN": response}


def test_a_gateway_response_header_whose_source_names_nothing_is_left_out():
    from aws_sandbox.apigateway import vtl

    vtl.install()
    response = GatewayResponse(status_code=None, templates={},
                               parameters={"gatewayresponse.header.X-Request": "context.requestId",
                                           "gatewayresponse.header.X-Key": "context.identity.apiKey",
                                           "gatewayresponse.header.X-Static": "'yes'"})
    error = gatewayresponses.GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
    status, headers, _ = gatewayresponses.render(
        error, _Snapshot(response), dict(CONTEXT), {},
        lambda ctx: vtl.TemplateRequest(body="", path_params={}, query={}, headers={}, context=ctx,
                                        stage_variables={}), None)
    assert status == 403
    assert headers["X-Request"] == "r-1" and headers["X-Static"] == "yes"
    assert "X-Key" not in headers  # was an empty header before the one walk


def test_one_accept_header_choice():
    templates = {"text/plain": "t", "application/json": "j"}
    assert template_for_accept(templates, "text/plain; q=0.9") == "text/plain"
    assert template_for_accept(templates, "application/xml") == "application/json"
    assert template_for_accept(templates, None) == "application/json"
    assert template_for_accept({"text/html": "h"}, "application/xml") == "text/html"
