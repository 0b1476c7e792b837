var searchData=
[
  ['pipe_2eh_0',['pipe.h',['../pipe_8h.html',1,'']]],
  ['pipe_5flinux_2eh_1',['pipe_linux.h',['../pipe__linux_8h.html',1,'']]],
  ['platform_2eh_2',['platform.h',['../platform_8h.html',1,'']]]
];
