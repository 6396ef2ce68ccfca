"""Natural-language understanding: Thai text in, intent and entities out.

The only package in ginbot that imports PyThaiNLP; pure and offline (nothing
is downloaded at run time). Entry points:

- ``engine.Nlu.from_paths(intents_dir, agencies_csv_or_entries)`` then
  ``.parse(text) -> ParseResult`` (``.to_json()`` is the `ginbot parse` shape)
  and ``.retrain(extra_examples)``.
- ``evaluate.run_eval(intents_dir, agencies_csv_or_entries) -> EvalReport``
  for `ginbot eval`.
- ``text.normalise`` / ``text.tokens``; ``thaidate.thai_date`` /
  ``thaidate.thai_date_short``; ``entities.match_cohort`` /
  ``entities.match_platform``; ``intents.load_intents``.

Nothing is imported here on purpose: ``ginbot.nlu.thaidate`` must stay cheap
to import without pulling in scikit-learn.
"""
