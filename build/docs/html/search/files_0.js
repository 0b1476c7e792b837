var searchData=
[
  ['arena_2eh_0',['arena.h',['../arena_8h.html',1,'']]],
  ['arena_5flinux_2eh_1',['arena_linux.h',['../arena__linux_8h.html',1,'']]]
];
