var dir_190d5f4ce4a617a86a7b67580464c1fc =
[
    [ "arena.h", "arena_8h.html", "arena_8h" ],
    [ "arena_linux.h", "arena__linux_8h.html", "arena__linux_8h" ],
    [ "cosmosb.h", "cosmosb_8h.html", null ],
    [ "defs.h", "defs_8h.html", "defs_8h" ],
    [ "error.h", "error_8h.html", "error_8h" ],
    [ "fdpass.h", "fdpass_8h.html", "fdpass_8h" ],
    [ "pipe.h", "pipe_8h.html", "pipe_8h" ],
    [ "pipe_linux.h", "pipe__linux_8h.html", "pipe__linux_8h" ],
    [ "platform.h", "platform_8h.html", "platform_8h" ],
    [ "ref.h", "ref_8h.html", "ref_8h" ],
    [ "region.h", "region_8h.html", "region_8h" ],
    [ "version.h", "version_8h.html", "version_8h" ],
    [ "waitset.h", "waitset_8h.html", "waitset_8h" ],
    [ "window.h", "window_8h.html", "window_8h" ]
];