file(REMOVE_RECURSE
  "libcosmosb_benchlib.a"
)
