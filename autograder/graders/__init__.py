"""Hidden graders, one module per question group. Never shipped to students."""
