var annotated_dup =
[
    [ "cosmosb_arena_config", "structcosmosb__arena__config.html", "structcosmosb__arena__config" ],
    [ "cosmosb_arena_participant_stats", "structcosmosb__arena__participant__stats.html", "structcosmosb__arena__participant__stats" ],
    [ "cosmosb_arena_stats", "structcosmosb__arena__stats.html", "structcosmosb__arena__stats" ],
    [ "cosmosb_msg_info", "structcosmosb__msg__info.html", "structcosmosb__msg__info" ],
    [ "cosmosb_msg_view", "structcosmosb__msg__view.html", "structcosmosb__msg__view" ],
    [ "cosmosb_peer_cred", "structcosmosb__peer__cred.html", "structcosmosb__peer__cred" ],
    [ "cosmosb_pipe_config", "structcosmosb__pipe__config.html", "structcosmosb__pipe__config" ],
    [ "cosmosb_pipe_stats", "structcosmosb__pipe__stats.html", "structcosmosb__pipe__stats" ],
    [ "cosmosb_platform", "structcosmosb__platform.html", "structcosmosb__platform" ],
    [ "cosmosb_recv_item", "structcosmosb__recv__item.html", "structcosmosb__recv__item" ],
    [ "cosmosb_ref", "structcosmosb__ref.html", "structcosmosb__ref" ],
    [ "cosmosb_send_item", "structcosmosb__send__item.html", "structcosmosb__send__item" ],
    [ "cosmosb_slot", "structcosmosb__slot.html", "structcosmosb__slot" ],
    [ "cosmosb_wait_token", "structcosmosb__wait__token.html", "structcosmosb__wait__token" ],
    [ "cosmosb_window", "structcosmosb__window.html", "structcosmosb__window" ]
];