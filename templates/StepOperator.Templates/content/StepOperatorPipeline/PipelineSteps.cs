using StepOperator;

namespace StepOperatorPipeline;

/// <summary>
/// The pipeline and its steps. Each step call runs in a process of its own (the local stack), a container
/// (docker) or a Modal sandbox; outputs pass between steps by reference, and a call whose code, settings and
/// inputs are unchanged is taken from the cache instead of running.
/// </summary>
public static partial class PipelineSteps
{
    /// <summary>Makes the corpus. Replace this with your own data loading.</summary>
    [Step]
    public static Corpus LoadCorpus(int count)
    {
        string[] texts =
        [
            "steps run in processes of their own",
            "a modal step runs in a sandbox with a gpu",
            "each step call runs in its own process",
            "outputs pass between steps by reference",
            "a sandbox on modal gets the gpu the step asks for",
            "unchanged step calls come from the cache",
        ];
        var corpus = new Corpus(texts.Take(count).ToArray());
        Console.WriteLine($"loaded {corpus.Texts.Length} texts");
        return corpus;
    }

    /// <summary>
    /// Turns each text into a unit vector of hashed word counts: the heavy step, so it asks for a GPU on Modal.
    /// On the local stack it runs as a process, and the resources it cannot enforce are reported as ignored.
    /// </summary>
    [ModalStep(Gpu = "T4", Memory = "8GB", CpuCount = 2, Timeout = 600)]
    public static Embeddings Embed(Corpus corpus, int dimensions)
    {
        var vectors = corpus.Texts.Select(text => Normalize(HashedWordCounts(text, dimensions))).ToArray();
        Console.WriteLine($"embedded {vectors.Length} texts in {dimensions} dimensions");
        return new Embeddings(vectors);
    }

    /// <summary>Finds the two most similar texts (cosine similarity of their vectors).</summary>
    [Step]
    public static Report FindClosestPair(Corpus corpus, Embeddings embeddings)
    {
        var best = new Report("", "", double.NegativeInfinity);
        for (var i = 0; i < corpus.Texts.Length; i++)
        {
            for (var j = i + 1; j < corpus.Texts.Length; j++)
            {
                var similarity = Dot(embeddings.Vectors[i], embeddings.Vectors[j]);
                if (similarity > best.Similarity)
                {
                    best = new Report(corpus.Texts[i], corpus.Texts[j], similarity);
                }
            }
        }

        Console.WriteLine($"closest pair: similarity {best.Similarity:0.000}");
        return best;
    }

    /// <summary>The pipeline: dotnet run runs it; dotnet run -- --help lists it with its steps and options.</summary>
    [Pipeline]
    public static async Task Similarity()
    {
        var corpus = Submit.LoadCorpus(count: 6);                 // starts the step, returns at once
        var embeddings = Submit.Embed(corpus, dimensions: 32);    // the corpus passes by reference
        var report = await Submit.FindClosestPair(corpus, embeddings); // await loads the value

        Console.WriteLine($"most similar: \"{report.First}\" and \"{report.Second}\" ({report.Similarity:0.000})");
    }

    private static double[] HashedWordCounts(string text, int dimensions)
    {
        var counts = new double[dimensions];
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            counts[StableHash(word) % (uint)dimensions] += 1;
        }

        return counts;
    }

    // string.GetHashCode differs between processes; a step's result must not.
    private static uint StableHash(string word)
    {
        var hash = 2166136261u;
        foreach (var character in word)
        {
            hash = (hash ^ character) * 16777619u;
        }

        return hash;
    }

    private static double[] Normalize(double[] vector)
    {
        var length = Math.Sqrt(Dot(vector, vector));
        return length == 0 ? vector : vector.Select(value => value / length).ToArray();
    }

    private static double Dot(double[] left, double[] right)
    {
        var sum = 0.0;
        for (var i = 0; i < left.Length; i++)
        {
            sum += left[i] * right[i];
        }

        return sum;
    }
}
