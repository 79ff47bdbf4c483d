using System.Text;

namespace StepOperator.Stacks;

/// <summary>
/// Turns chunks of a step's output (as container logs and Modal log batches deliver them) into whole
/// lines for an <see cref="IStepOutputSink"/>; an unterminated last piece waits for the next chunk.
/// </summary>
public sealed class StepOutputLines(IStepOutputSink sink, bool isError)
{
    private readonly StringBuilder _pending = new();

    public void Append(string chunk)
    {
        _pending.Append(chunk);
        var text = _pending.ToString();
        var end = text.LastIndexOf('\n');
        if (end < 0)
        {
            return;
        }

        foreach (var line in text[..end].Split('\n'))
        {
            sink.Line(line.TrimEnd('\r'), isError);
        }

        _pending.Clear().Append(text[(end + 1)..]);
    }

    /// <summary>Sends what is left once the output has ended.</summary>
    public void Flush()
    {
        if (_pending.Length > 0)
        {
            sink.Line(_pending.ToString().TrimEnd('\r'), isError);
            _pending.Clear();
        }
    }
}
