namespace StepOperatorPipeline;

/// <summary>A few short texts; the first step makes them, the others pass them on by reference.</summary>
public sealed record Corpus(string[] Texts);

/// <summary>One vector per text: Vectors[i] belongs to Corpus.Texts[i].</summary>
public sealed record Embeddings(double[][] Vectors);

/// <summary>The two texts whose vectors point most nearly the same way.</summary>
public sealed record Report(string First, string Second, double Similarity);
