"""Training classes and real-name rosters, from registration to approval. Imports questions/ and below;
higher domains add their panels to the class pages through classes.signals."""
