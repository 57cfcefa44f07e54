"""What runs read and write: schemas, JSON Lines, manifests, fingerprints, run directories, atomic writes.

    schemas       one registry over schemas/*.schema.json; strict integers; user errors vs kit bugs
    fastcheck     a conservative "certainly valid" fast path for streamed rows
    jsonl         streaming JSON Lines with file:line errors, and schema-checked writing
    joined        a dataset ⋈ its rollouts by id, through an on-disk SQLite table (flat memory)
    manifest      a run's conditions (the Locked Room fields), environment capture, JSON writing
    fingerprint   ``sha256:<hex>`` of files and JSON values
    rundir        run directories: staged writing (whole or not at all) and reading back, checked
    atomic        atomic writes of one file, and the folder swap rundir and the release use

May import: errors, paths, and each other. Nothing from the loops, present or grading.
"""
