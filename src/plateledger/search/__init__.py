"""Search: the query model and its execution behind policy and the search log."""
