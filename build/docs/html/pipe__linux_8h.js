var pipe__linux_8h =
[
    [ "cosmosb_pipe_create", "pipe__linux_8h.html#ae16504baab49c5878e7ea97697528cdd", null ],
    [ "cosmosb_pipe_attach", "pipe__linux_8h.html#a17603d1a55377b485baa11c3be713178", null ],
    [ "cosmosb_pipe_share", "pipe__linux_8h.html#a2e612019a1b765b7d77011cf27fb6151", null ],
    [ "cosmosb_pipe_attach_socket", "pipe__linux_8h.html#a3b4d8664479d0f1e6bc45c66ee2d2fc1", null ],
    [ "cosmosb_pipe_fd", "pipe__linux_8h.html#ada32f1f89abd99c75efcfc25ed4d310a", null ],
    [ "cosmosb_pipe_eventfd", "pipe__linux_8h.html#a85b3c245ed67146f1270f4f3b766955b", null ],
    [ "cosmosb_pipe_close", "pipe__linux_8h.html#a515467b2863135458b4b11736e7103db", null ],
    [ "cosmosb_linux_platform", "pipe__linux_8h.html#ace578991c7ab4e72604edb213bc2aa34", null ]
];