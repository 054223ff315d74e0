"""Tests of the sll_lab package: python3 -m unittest discover -s python/tests -t python -v
(test/python/python.test.ts runs them under Vitest)."""
