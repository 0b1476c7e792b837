file(REMOVE_RECURSE
  "libcosmosb_criterion_shim.a"
)
