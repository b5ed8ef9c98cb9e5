"""Routing from the text: the desk suggests an appeal's category, and through the category routes
the competent body, from what the citizen wrote.

- `text`: the Russian/Kazakh-aware normaliser (lower case, ё→е, and the Kazakh look-alike folding
  as an extra feature stream rather than a replacement);
- `learn`: the scikit-learn model (hashed TF-IDF over character n-grams and words, computed in parallel
  chunks; a linear SVM with sigmoid-calibrated probabilities, or for a large history one streamed pass of
  averaged SGD on the logistic loss) and its held-out evaluation;
- `services`: training a versioned model from this deployment's finished appeals (`router_train`),
  automatic routing for integrations that opt in (`appeal_auto_route`);
- `selectors`: the current model, cached per process by version, and `routing_suggest`;
- `corpus`: the labelled corpus of citizens' texts used by the tests and the demo.

Without a trained model every entry point answers "no suggestions": the desk works as before.
May import: appeals.models, agencies. Used by the registrar's page, the API and the intake.
"""
