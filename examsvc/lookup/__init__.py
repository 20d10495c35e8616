"""The trainee's own view (/lookup) and the result sheets (成绩单) of a person and of a class."""
