"""The document scanner: Qt-free NumPy/OpenCV code that finds a page in a camera frame,
straightens it, scores it, guides the applicant and captures it (``pipeline``), and
compresses each page to a size budget (``compress``)."""
