var arena__linux_8h =
[
    [ "COSMOSB_ARENA_SHARE_WRITABLE", "arena__linux_8h.html#a8a51ae4845810db496d38cb9c2d2921d", null ],
    [ "cosmosb_arena_create", "arena__linux_8h.html#afa6078f838ae20115dc19dbcdd1f84b7", null ],
    [ "cosmosb_arena_seal", "arena__linux_8h.html#a6dbdfaf27562b772acc543bca530a893", null ],
    [ "cosmosb_arena_share", "arena__linux_8h.html#a44e28d3b3dc32817fad65f3b8f870761", null ],
    [ "cosmosb_arena_attach_socket", "arena__linux_8h.html#a43eeb360c2b9c173fce7e1d0f7a940ae", null ],
    [ "cosmosb_arena_attach_fds", "arena__linux_8h.html#a9d1cec38644572f3384f8b5bd7beac7a", null ],
    [ "cosmosb_arena_fork_join", "arena__linux_8h.html#af8251b36186e4001e9689c406c41f794", null ],
    [ "cosmosb_arena_forget", "arena__linux_8h.html#af49a61366b01657027ac6ff5f6aa5343", null ],
    [ "cosmosb_arena_close", "arena__linux_8h.html#a1669dcfc98b6e8fca9f624f70d33e054", null ],
    [ "cosmosb_arena_meta_fd", "arena__linux_8h.html#a276d3a6c4747a391985f67585746cb0d", null ],
    [ "cosmosb_arena_data_fd", "arena__linux_8h.html#ae0e89aab4beff5f7f01b0fbe589add73", null ]
];