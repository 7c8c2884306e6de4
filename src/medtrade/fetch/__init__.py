"""Fetch official data into a local cache, then load it through the readers of :mod:`medtrade.sources`.

Beside ``sources/`` in the data flow: a fetcher writes files into the cache
(:mod:`medtrade.fetch.cache`) and hands them to :meth:`Warehouse.load`; it never writes
to the warehouse itself. Modules: :mod:`~medtrade.fetch.http` (retries, backoff, call
budget), :mod:`~medtrade.fetch.jobs` (resumable job files), :mod:`~medtrade.fetch.comtrade`,
:mod:`~medtrade.fetch.baci`, :mod:`~medtrade.fetch.ecb`, :mod:`~medtrade.fetch.india`
(the documented manual path). See docs/fetch.md.
"""
