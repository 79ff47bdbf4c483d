using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;

namespace StepOperator.Reporting;

/// <summary>
/// A small document (headings, paragraphs, lists, tables, code blocks) written once and rendered as
/// Markdown or as HTML, so report.md and report.html say exactly the same. All text is plain: the
/// renderers escape it.
/// </summary>
internal sealed class ReportDocument
{
    private readonly List<Block> _blocks = [];

    public string Title { get; }

    public ReportDocument(string title) => Title = title;

    public ReportDocument Heading(int level, string text) => Add(new HeadingBlock(level, text));

    public ReportDocument Paragraph(string text) => Add(new ParagraphBlock(text));

    public ReportDocument Bullets(IEnumerable<string> items) => Add(new BulletBlock(items.ToList()));

    public ReportDocument Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows) =>
        Add(new TableBlock(headers, rows.ToList()));

    public ReportDocument Code(IEnumerable<string> lines) => Add(new CodeBlock(lines.SelectMany(TextCleaning.Lines).ToList()));

    private ReportDocument Add(Block block)
    {
        _blocks.Add(block);
        return this;
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    text.Append('#', Math.Clamp(heading.Level, 1, 6)).Append(' ').Append(MarkdownInline(heading.Text)).Append('\n');
                    break;
                case ParagraphBlock paragraph:
                    text.Append(MarkdownInline(paragraph.Text)).Append('\n');
                    break;
                case BulletBlock bullets:
                    foreach (var item in bullets.Items)
                    {
                        text.Append("- ").Append(MarkdownInline(item)).Append('\n');
                    }

                    break;
                case TableBlock table:
                    text.Append(MarkdownRow(table.Headers));
                    text.Append(MarkdownRow(table.Headers.Select(_ => "---").ToList(), escape: false));
                    foreach (var row in table.Rows)
                    {
                        text.Append(MarkdownRow(row));
                    }

                    break;
                case CodeBlock code:
                    // The fence is longer than any run of backticks inside, so no line can close it.
                    var fence = new string('`', Math.Max(3, LongestBacktickRun(code.Lines) + 1));
                    text.Append(fence).Append("text\n");
                    foreach (var line in code.Lines)
                    {
                        text.Append(TextCleaning.Line(line)).Append('\n');
                    }

                    text.Append(fence).Append('\n');
                    break;
            }

            text.Append('\n');
        }

        return text.ToString().TrimEnd('\n') + "\n";
    }

    public string ToHtml()
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .Append(Encode(Title))
            .Append("</title>\n<style>\n")
            .Append("body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }\n")
            .Append("table { border-collapse: collapse; margin: 1em 0; }\n")
            .Append("th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }\n")
            .Append("th { background: #f4f4f4; }\n")
            .Append("pre { background: #f6f6f6; border: 1px solid #ddd; padding: 0.8em; overflow-x: auto; }\n")
            .Append("</style>\n</head>\n<body>\n");
        foreach (var block in _blocks)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    var level = Math.Clamp(heading.Level, 1, 6);
                    html.Append("<h").Append(level).Append('>').Append(Encode(heading.Text)).Append("</h").Append(level).Append(">\n");
                    break;
                case ParagraphBlock paragraph:
                    html.Append("<p>").Append(EncodeCell(paragraph.Text)).Append("</p>\n");
                    break;
                case BulletBlock bullets:
                    html.Append("<ul>\n");
                    foreach (var item in bullets.Items)
                    {
                        html.Append("<li>").Append(EncodeCell(item)).Append("</li>\n");
                    }

                    html.Append("</ul>\n");
                    break;
                case TableBlock table:
                    html.Append("<table>\n<thead><tr>");
                    foreach (var header in table.Headers)
                    {
                        html.Append("<th>").Append(EncodeCell(header)).Append("</th>");
                    }

                    html.Append("</tr></thead>\n<tbody>\n");
                    foreach (var row in table.Rows)
                    {
                        html.Append("<tr>");
                        foreach (var cell in row)
                        {
                            html.Append("<td>").Append(EncodeCell(cell)).Append("</td>");
                        }

                        html.Append("</tr>\n");
                    }

                    html.Append("</tbody>\n</table>\n");
                    break;
                case CodeBlock code:
                    html.Append("<pre><code>");
                    foreach (var line in code.Lines)
                    {
                        html.Append(Encode(TextCleaning.Line(line))).Append('\n');
                    }

                    html.Append("</code></pre>\n");
                    break;
            }
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Text inside a Markdown table cell: '|' escaped, line breaks as &lt;br&gt;, nothing else taken as markup.</summary>
    internal static string MarkdownCell(string text) =>
        string.Join("<br>", SplitLines(text).Select(line => MarkdownInline(line)));

    /// <summary>Text in a Markdown paragraph, heading or list item: every character that could be markup backslash-escaped.</summary>
    internal static string MarkdownInline(string text)
    {
        var escaped = new StringBuilder(text.Length + 8);
        foreach (var c in TextCleaning.Line(text))
        {
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '&' or '#' or '~' or '!')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    private static string MarkdownRow(IReadOnlyList<string> cells, bool escape = true) =>
        "| " + string.Join(" | ", cells.Select(c => escape ? (c.Length == 0 ? " " : MarkdownCell(c)) : c)) + " |\n";

    private static string Encode(string text) => WebUtility.HtmlEncode(TextCleaning.Line(text));

    private static string EncodeCell(string text) => string.Join("<br>", SplitLines(text).Select(line => WebUtility.HtmlEncode(TextCleaning.Line(line))));

    private static IEnumerable<string> SplitLines(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');

    private static int LongestBacktickRun(IEnumerable<string> lines)
    {
        var longest = 0;
        foreach (var line in lines)
        {
            var run = 0;
            foreach (var c in line)
            {
                run = c == '`' ? run + 1 : 0;
                longest = Math.Max(longest, run);
            }
        }

        return longest;
    }

    private abstract record Block;

    private sealed record HeadingBlock(int Level, string Text) : Block;

    private sealed record ParagraphBlock(string Text) : Block;

    private sealed record BulletBlock(IReadOnlyList<string> Items) : Block;

    private sealed record TableBlock(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows) : Block;

    private sealed record CodeBlock(IReadOnlyList<string> Lines) : Block;
}
