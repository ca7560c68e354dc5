"""What drives the app and the engine, shared by the benchmarks and the tests: random valid patients
(patients.py), the case a class works on (class_case.py), a browser-like websocket client
(streamlit_client.py), the app served on a free loopback port (app_server.py) and Debian's Chromium
(browser.py).

The dependency runs one way: tests/ imports this package; nothing under bench/ depends on tests/. The tests'
independent evaluator (tests/oracle.py) is deliberately not here: it is the differential test's reference
(its docstring says why).
"""
