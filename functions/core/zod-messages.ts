/**
 * The functions check run-time input with zod/mini: the same checks as zod, tree-shaken to the few
 * a function uses (the full zod is over 400 KB in a bundle). zod/mini ships no messages; importing
 * this module installs the English ones ("Too small: expected string to have >=1 characters").
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
