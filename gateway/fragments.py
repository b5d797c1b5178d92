"""`{% once "name", key… %}…{% endonce %}`: a part of a template that is the
same for everybody (the layout's footer, its header's brand, the skip links)
rendered once per process, then reused (docs/performance.md: a home page's
layout was most of its CPU).

A fragment is kept per name, the values given after it (e.g. whether someone
is logged in), the request's locale and its script root (the links'
prefix). Its body must depend on nothing else: never on the person, the
child, the page or a token. tests/gateway/test_fragments.py renders pages in
both orders on fresh applications and compares them.
"""
import threading

from flask import has_request_context, request
from flask_babel import get_locale
from jinja2 import nodes
from jinja2.ext import Extension

# Enough for every fragment × variant × locale; past it (script roots a client
# would vary), fragments are rendered each time rather than kept.
MAX_FRAGMENTS = 256


class OnceExtension(Extension):
    tags = {"once"}

    def __init__(self, environment):
        super().__init__(environment)
        environment.extend(once_fragments={}, once_lock=threading.Lock())

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endonce",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_fragment", [nodes.List(key)]), [], [], body).set_lineno(lineno)

    def _fragment(self, key, caller):
        key = (*key, str(get_locale()), request.script_root if has_request_context() else None)
        fragments = self.environment.once_fragments
        try:
            return fragments[key]
        except KeyError:
            pass
        rendered = caller()
        with self.environment.once_lock:
            if len(fragments) < MAX_FRAGMENTS:
                fragments[key] = rendered
        return rendered
