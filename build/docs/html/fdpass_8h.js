var fdpass_8h =
[
    [ "cosmosb_peer_cred", "structcosmosb__peer__cred.html", "structcosmosb__peer__cred" ],
    [ "COSMOSB_FDPASS_MAX_FDS", "fdpass_8h.html#a99432fab6f05027609140ab59a50eded", null ],
    [ "cosmosb_peer_cred_t", "fdpass_8h.html#a07820babfb8d48dbfffae423c11a9345", null ],
    [ "cosmosb_fd_send", "fdpass_8h.html#a5e0811923bd8be59d77bfa3991d28a5f", null ],
    [ "cosmosb_fd_recv", "fdpass_8h.html#a49439ac9528f9f744f4a55e0ac1a981a", null ],
    [ "cosmosb_peer_credentials", "fdpass_8h.html#a9f9be43e3b1e6c5ad7e21eb60d0a9c20", null ]
];