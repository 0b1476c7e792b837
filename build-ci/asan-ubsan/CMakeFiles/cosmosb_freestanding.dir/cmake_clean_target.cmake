file(REMOVE_RECURSE
  "libcosmosb-freestanding.a"
)
