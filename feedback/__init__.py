"""Voice of the customer: what shoppers say (surveys, complaints and requests, reviews), next to
what they buy. Feedback reads loyalty (points for answering, for reviews) and insights (the
segment and value tier an answer is counted under); campaigns read feedback (audiences, and the
mail that invites to a survey or carries a reply)."""
