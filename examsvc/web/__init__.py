"""Flask plumbing the domains' views use: access predicates, errors, headers, form and view helpers,
labels, i18n, rate limits, page panels and the request log. Imports core/ only."""
