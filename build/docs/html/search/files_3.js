var searchData=
[
  ['error_2eh_0',['error.h',['../error_8h.html',1,'']]]
];
