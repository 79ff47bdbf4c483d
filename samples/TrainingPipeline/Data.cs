namespace TrainingPipeline;

/// <summary>Labelled points: Features[i] is a point, Labels[i] its class (0 or 1).</summary>
public sealed record Dataset(double[][] Features, int[] Labels)
{
    public int Count => Labels.Length;
}

/// <summary>A logistic-regression model: P(label = 1 | x) = sigmoid(Weights · x + Bias).</summary>
public sealed record LogisticModel(double[] Weights, double Bias, int Epochs, double FinalLoss);

/// <summary>How well a model does on one dataset.</summary>
public sealed record Metrics(string Dataset, int Samples, double Accuracy, double LogLoss);
