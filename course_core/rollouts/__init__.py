"""Real rollouts: sample any OpenAI-compatible server (or the kit's own local models), import datasets.

- :mod:`~course_core.rollouts.sources`   the ``Source`` protocol: prompt → samples
- :mod:`~course_core.rollouts.client`    JSON over HTTP with retries (standard library only)
- :mod:`~course_core.rollouts.openai_compat`  the OpenAI-compatible source (chat and completions)
- :mod:`~course_core.rollouts.sampler`   concurrency, topping up ``n``, seeds, resume, the output files
- :mod:`~course_core.rollouts.staging`   the append-only staging file that makes runs resumable
- :mod:`~course_core.rollouts.sidecar`   the ``.sampling.json`` record: policy, sampling configuration, provenance
- :mod:`~course_core.rollouts.importers` GSM8K and generic JSONL → the kit's dataset rows

May import the foundations (``errors``, ``paths``, ``artifacts/``) and ``measurement/`` (the
scorer's format instruction and answer range); never ``present/`` (the CLIs pass a progress
callback in), ``learning/``, ``lm/`` or torch. The kit's local models implement ``Source`` in
``lm/source.py`` (``--source local``), so nothing here depends on them.
"""
