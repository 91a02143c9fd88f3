# Metadata lives in pyproject.toml; this shim keeps older pip and bench tooling working.
from setuptools import setup

setup()
