using StepOperator;

namespace TrainingPipeline;

/// <summary>
/// A small, deterministic training job: two Gaussian clouds, a logistic-regression model trained
/// by gradient descent, evaluated on held-out data. Each step runs in its own process (local
/// stack) or container/sandbox (docker and modal stacks); outputs pass between steps by reference.
/// </summary>
public static partial class TrainingSteps
{
    /// <summary>Makes a dataset of two Gaussian clouds around (-1, -1) and (1, 1).</summary>
    [Step]
    public static Dataset MakeDataset(int seed, int samples)
    {
        var random = new Random(seed);
        var features = new double[samples][];
        var labels = new int[samples];
        for (var i = 0; i < samples; i++)
        {
            var label = i % 2;
            var center = label == 1 ? 1.0 : -1.0;
            features[i] = [center + Gaussian(random), center + Gaussian(random)];
            labels[i] = label;
        }

        Console.WriteLine($"made {samples} samples (seed {seed})");
        return new Dataset(features, labels);
    }

    /// <summary>Trains the model by full-batch gradient descent on the log loss.</summary>
    [ModalStep(Gpu = "A100", Memory = "32GB", CpuCount = 2)]
    public static async Task<LogisticModel> Train(Dataset data, CancellationToken cancellationToken)
    {
        const int epochs = 300;
        const double learningRate = 0.5;
        var dimensions = data.Features[0].Length;
        var weights = new double[dimensions];
        var bias = 0.0;
        var loss = double.NaN;
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var gradient = new double[dimensions];
            var biasGradient = 0.0;
            loss = 0.0;
            for (var i = 0; i < data.Count; i++)
            {
                var p = Predict(weights, bias, data.Features[i]);
                var error = p - data.Labels[i];
                for (var d = 0; d < dimensions; d++)
                {
                    gradient[d] += error * data.Features[i][d];
                }

                biasGradient += error;
                loss += LogLoss(p, data.Labels[i]);
            }

            for (var d = 0; d < dimensions; d++)
            {
                weights[d] -= learningRate * gradient[d] / data.Count;
            }

            bias -= learningRate * biasGradient / data.Count;
            loss /= data.Count;
            if (epoch % 100 == 0)
            {
                Console.WriteLine($"epoch {epoch}/{epochs}: loss {loss:0.0000}");
                await Task.Yield();
            }
        }

        return new LogisticModel(weights, bias, epochs, loss);
    }

    /// <summary>Scores the model on one dataset.</summary>
    [Step]
    public static Metrics Evaluate(LogisticModel model, Dataset data, string name)
    {
        var correct = 0;
        var loss = 0.0;
        for (var i = 0; i < data.Count; i++)
        {
            var p = Predict(model.Weights, model.Bias, data.Features[i]);
            correct += (p >= 0.5 ? 1 : 0) == data.Labels[i] ? 1 : 0;
            loss += LogLoss(p, data.Labels[i]);
        }

        var metrics = new Metrics(name, data.Count, (double)correct / data.Count, loss / data.Count);
        Console.WriteLine($"{name}: accuracy {metrics.Accuracy:P1}, log loss {metrics.LogLoss:0.0000}");
        return metrics;
    }

    /// <summary>The pipeline: make data, train, evaluate on the training and held-out sets.</summary>
    [Pipeline]
    public static async Task Training()
    {
        var train = Submit.MakeDataset(seed: 1, samples: 400);
        var test = Submit.MakeDataset(seed: 2, samples: 200);
        var model = Submit.Train(train);

        // Fan-out: two evaluations consume the same model output, by reference.
        var trainMetrics = Submit.Evaluate(model, train, "train");
        var testMetrics = Submit.Evaluate(model, test, "test");

        foreach (var metrics in new[] { await trainMetrics, await testMetrics })
        {
            Console.WriteLine($"{metrics.Dataset,-5}  accuracy {metrics.Accuracy:P1}  log loss {metrics.LogLoss:0.0000}  ({metrics.Samples} samples)");
        }
    }

    private static double Predict(double[] weights, double bias, double[] x)
    {
        var z = bias;
        for (var d = 0; d < weights.Length; d++)
        {
            z += weights[d] * x[d];
        }

        return 1.0 / (1.0 + Math.Exp(-z));
    }

    private static double LogLoss(double p, int label)
    {
        const double epsilon = 1e-12;
        return -(label * Math.Log(p + epsilon) + (1 - label) * Math.Log(1 - p + epsilon));
    }

    private static double Gaussian(Random random)
    {
        // Box–Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
