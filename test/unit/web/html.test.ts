import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../../../web/html.ts';

describe('html', () => {
  it('escapes every interpolated value', () => {
    const evil = `<script>alert("x")</script>' onload=\`y\` &`;
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#96;y&#96; &amp;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#96;y&#96; &amp;</p>',
    );
  });

  it('keeps nested html templates as markup and escapes inside lists', () => {
    const items = ['<a>', 'b&c'];
    expect(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`.value).toBe(
      '<ul><li>&lt;a&gt;</li><li>b&amp;c</li></ul>',
    );
  });

  it('renders nothing for null, undefined and false, and numbers as text', () => {
    expect(html`${null}${undefined}${false}${0}${42}`.value).toBe('042');
  });
});

describe('escapeHtml', () => {
  it('leaves safe text alone', () => {
    expect(escapeHtml('aws_vpc.main[0]')).toBe('aws_vpc.main[0]');
  });
});
