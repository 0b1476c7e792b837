file(REMOVE_RECURSE
  "libcosmosb.a"
)
