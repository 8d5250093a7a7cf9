"""The same words across articles: quote groups and near-duplicate documents.

Pure logic, no files: `quotes.quote_groups` gives every quote row its group and the groups table,
`documents.duplicates` points reprints at the first copy of their story. Both take the index an
earlier run learnt (`index.Index`, plain arrays) and compare only new items with it (MinHash and LSH).
"""
